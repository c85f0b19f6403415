"""The dashboard's UI layer: chart builders and Streamlit views (the core is ``initdash``)."""
