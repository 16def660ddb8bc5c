-- nexsock schema, version 6: the environment a service starts from when not the host's setting
-- (`login-shell`, `none` or `host`); NULL follows `[services] inherit` in config.toml.
ALTER TABLE service ADD COLUMN env_inherit TEXT;
