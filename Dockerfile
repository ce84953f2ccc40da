# samverkan on the official Airflow image: the library (with S3 support), its pinned
# dependencies, the expectation suites and the DAGs. One image for every Airflow service,
# the seeding job and the researcher portal (see docker-compose.yml).
FROM apache/airflow:3.3.2-python3.11

USER root
RUN mkdir -p /opt/samverkan/data /opt/airflow/auth \
    && chown -R airflow:root /opt/samverkan /opt/airflow/auth
USER airflow

COPY --chown=airflow:root requirements/lock.txt /opt/samverkan/requirements/lock.txt
COPY --chown=airflow:root pyproject.toml README.md /opt/samverkan/
COPY --chown=airflow:root pipelines /opt/samverkan/pipelines
COPY --chown=airflow:root expectations /opt/samverkan/expectations
COPY --chown=airflow:root dags /opt/airflow/dags

# apache-airflow stays at the image's version; s3fs reaches MinIO/S3 (pins as in the lock)
RUN pip install --no-cache-dir -c /opt/samverkan/requirements/lock.txt \
        "apache-airflow==${AIRFLOW_VERSION}" /opt/samverkan "s3fs==2026.9.0"

ENV SAMVERKAN_EXPECTATIONS_DIR=/opt/samverkan/expectations \
    SAMVERKAN_DATA_DIR=/opt/samverkan/data
