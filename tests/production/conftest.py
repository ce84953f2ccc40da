"""The production-shaped tests share the moto S3 fixture ``s3`` of tests/conftest.py."""
