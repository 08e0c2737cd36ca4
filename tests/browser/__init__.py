"""Real-browser tests: JupyterLab under Chromium, driven by Playwright (see conftest.py)."""
