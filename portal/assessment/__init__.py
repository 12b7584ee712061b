"""Two-way assessment (双向考核) and the governance efficacy survey (seed 002, AHP).

ahp         pure: weights from a pairwise-comparison matrix (numpy), λmax, CI, RI, CR
indicators  the questionnaire's four dimensions and their indicators, Dazu's figures
survey      matrices → weights, rounds, residents' answers (once per round), results
scores      the street scores departments on handled joint/whistle orders and back
"""

from portal.assessment import ahp, indicators, scores, survey

__all__ = ["ahp", "indicators", "scores", "survey"]
