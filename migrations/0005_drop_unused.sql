-- nexsock schema, version 5: drop what nothing reads or writes. Profiles live in config.toml
-- (hand-editable, re-read on change), not in a table; whether a tunnel is required is a property
-- of a dependency edge (service_dependency.tunnel_mode), not of a service; tunnels are HTTP and
-- carry nothing else to store.
ALTER TABLE service DROP COLUMN tunnel_required;
DROP TABLE profile;
ALTER TABLE tunnel DROP COLUMN protocol;
ALTER TABLE tunnel DROP COLUMN metadata;
