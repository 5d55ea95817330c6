from erpflow.cli import app

app()
