-- The foundation: the election, its geography and candidates, the coalition's people,
-- sessions and tokens, and the audit log. Times are milliseconds since the Unix epoch (UTC).
-- Booleans are 0/1 integers so that the same queries read the same values on PostgreSQL.

CREATE TABLE election (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name_az TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    election_date TEXT NOT NULL
);

CREATE TABLE constituencies (
    number INTEGER PRIMARY KEY CHECK (number BETWEEN 1 AND 125),
    name_az TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    area_az TEXT NOT NULL DEFAULT '',
    in_baku TEXT NOT NULL DEFAULT 'no' CHECK (in_baku IN ('yes', 'no', 'partial')),
    monitored INTEGER NOT NULL DEFAULT 0 CHECK (monitored IN (0, 1)),
    search_key TEXT NOT NULL
);

CREATE TABLE stations (
    id INTEGER PRIMARY KEY,
    constituency_no INTEGER NOT NULL REFERENCES constituencies (number),
    number INTEGER NOT NULL CHECK (number >= 1),
    address TEXT NOT NULL DEFAULT '',
    registered_voters INTEGER NOT NULL CHECK (registered_voters >= 0),
    UNIQUE (constituency_no, number)
);

CREATE TABLE candidates (
    ballot_order INTEGER PRIMARY KEY,
    name_az TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    name_ru TEXT NOT NULL DEFAULT '',
    nominated_by_az TEXT NOT NULL DEFAULT '',
    nominated_by_en TEXT NOT NULL DEFAULT '',
    nominated_by_ru TEXT NOT NULL DEFAULT '',
    search_key TEXT NOT NULL
);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_az TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    name_ru TEXT NOT NULL DEFAULT ''
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    search_key TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id INTEGER REFERENCES organisations (id),
    phone TEXT,
    email TEXT,
    observer_code INTEGER UNIQUE,
    password_hash TEXT,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    language TEXT NOT NULL DEFAULT 'az',
    created_at INTEGER NOT NULL
);
CREATE INDEX users_by_organisation ON users (organisation_id);

CREATE TABLE coordinator_constituencies (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    constituency_no INTEGER NOT NULL REFERENCES constituencies (number),
    PRIMARY KEY (user_id, constituency_no)
);
CREATE INDEX coordinators_by_constituency ON coordinator_constituencies (constituency_no);

CREATE TABLE deployments (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    station_id INTEGER NOT NULL REFERENCES stations (id),
    PRIMARY KEY (user_id, station_id)
);
CREATE INDEX deployments_by_station ON deployments (station_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_user_id INTEGER REFERENCES users (id),
    channel TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX audit_by_time ON audit_log (at);
CREATE INDEX audit_by_actor ON audit_log (actor_user_id, at);
CREATE INDEX audit_by_entity ON audit_log (entity, entity_id);
