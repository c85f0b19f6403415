"""initdash: the Streamlit page (placeholder until the real dashboard lands)."""

import streamlit as st


def main() -> None:
    """Draw the page."""
    st.set_page_config(
        page_title="initdash: weight initialization, live",
        page_icon="🧠",
        layout="wide",
    )
    st.title("initdash")
    st.write("Watch neural-network weight-initialization schemes train side by side.")


if __name__ == "__main__":
    main()
