"""The only Streamlit-aware code: session, guard, shell and shared widgets."""
