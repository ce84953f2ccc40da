"""The researcher portal: catalogue and dataset pages, JSON API, DCAT, audited downloads."""
