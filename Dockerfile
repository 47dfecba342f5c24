# One app replica. Build: docker build -t lrviz .   Run: docker run -p 8501:8501 lrviz
# No CJK fonts here: the server renders no text (charts and pages are drawn by the browser,
# with the student's own fonts), so the Chinese interface needs nothing in the image.
# Python 3.11: requirements.txt installs MindSpore with it (3.13 and up would give the NumPy 2
# set without MindSpore).
FROM python:3.11-slim

# The app runs as "app", an unprivileged user; the code belongs to root and cannot be changed by
# the app. At run time it writes nothing but /tmp and its home (both may be a tmpfs:
# deploy/docker-compose.yml runs it on a read-only file system).
RUN useradd --create-home --home-dir /home/app --uid 10001 --user-group --shell /usr/sbin/nologin app
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/home/app
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# compiled once here, as root: the running app cannot write __pycache__ beside the code
RUN python -m compileall -q app.py core ui views
# Streamlit's script bundles gzipped at level 9, once, into static/_bundles: deploy/haproxy.cfg
# serves them to browsers in place of the uncompressed ones (a phone's cold page load -35 %)
RUN python deploy/bundles.py

USER app
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true"]
