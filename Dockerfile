# samverkan on the official Airflow image: the library, its pinned dependencies and the DAGs.
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:root requirements/lock.txt /opt/samverkan/requirements/lock.txt
COPY --chown=airflow:root pyproject.toml README.md /opt/samverkan/
COPY --chown=airflow:root pipelines /opt/samverkan/pipelines
COPY --chown=airflow:root expectations /opt/samverkan/expectations
COPY --chown=airflow:root dags /opt/airflow/dags

RUN pip install --no-cache-dir -c /opt/samverkan/requirements/lock.txt /opt/samverkan

ENV SAMVERKAN_EXPECTATIONS_DIR=/opt/samverkan/expectations
