# One app replica. Build: docker build -t lrviz .   Run: docker run -p 8501:8501 lrviz
# No CJK fonts here: the server renders no text (charts and pages are drawn by the browser,
# with the student's own fonts), so the Chinese interface needs nothing in the image.
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true"]
