-- nexsock schema, version 7: the groups a service belongs to (`start-batch --tag NAME`), as a
-- JSON array of names.
ALTER TABLE service ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
