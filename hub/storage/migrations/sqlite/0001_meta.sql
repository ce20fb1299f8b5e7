-- Key-value facts about this installation (first start, demo data seeded, ...).
CREATE TABLE app_meta (
    name VARCHAR(100) NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at DOUBLE NOT NULL
);
