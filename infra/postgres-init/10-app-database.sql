-- The application database Postgres change feeds are tried on: the trigger's FNMESH_PG_SOURCES
-- names it as source `dev` (infra/compose.yaml), as `make dev` does with its own PostgreSQL.
-- Run once, by the postgres image, when its data volume is first initialised.
CREATE DATABASE app;
