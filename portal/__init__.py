"""Linli (邻里共治) domain services. Plain Python: nothing here but portal.ui imports Streamlit."""
