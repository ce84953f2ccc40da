"""samverkan: extract, validate, anonymise and publish municipal datasets for research.

The library runs without Airflow; DAG files in ``dags/`` only wire these functions together.
"""

__version__ = "0.1.0"
