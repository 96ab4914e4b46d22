-- The Prefect server's own database, beside the accords one (run once, on an empty volume).
CREATE DATABASE prefect;
