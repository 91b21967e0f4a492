-- Election-day reporting: form definitions, submissions, what the coverage dashboard reads,
-- incidents and their history, disagreements between observers, and the hash chain.

CREATE TABLE forms (
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    phase TEXT,
    definition TEXT NOT NULL,
    loaded_at INTEGER NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL UNIQUE,
    form_code TEXT NOT NULL,
    form_version INTEGER NOT NULL,
    station_id INTEGER NOT NULL REFERENCES stations (id),
    observer_id INTEGER REFERENCES users (id),
    channel TEXT NOT NULL,
    device_time INTEGER,
    server_time INTEGER NOT NULL,
    clock_off INTEGER NOT NULL DEFAULT 0,
    content_hash TEXT NOT NULL,
    answers TEXT NOT NULL
);
CREATE INDEX submissions_by_station ON submissions (station_id, form_code, id);
CREATE INDEX submissions_by_observer ON submissions (observer_id, id);

-- One row per station and form that has been reported: the dashboard counts these, so its
-- cost follows the number of stations, never the number of submissions.
CREATE TABLE station_coverage (
    station_id INTEGER NOT NULL REFERENCES stations (id),
    form_code TEXT NOT NULL,
    constituency_no INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    submissions INTEGER NOT NULL,
    PRIMARY KEY (station_id, form_code)
);
CREATE INDEX coverage_by_constituency ON station_coverage (constituency_no, form_code);

-- The latest turnout count per station and reporting time.
CREATE TABLE turnout_counts (
    station_id INTEGER NOT NULL REFERENCES stations (id),
    slot INTEGER NOT NULL,
    counted INTEGER NOT NULL,
    announced INTEGER,
    registered INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (station_id, slot)
);

CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL UNIQUE REFERENCES submissions (id),
    station_id INTEGER NOT NULL REFERENCES stations (id),
    constituency_no INTEGER NOT NULL,
    category INTEGER NOT NULL,
    severity INTEGER NOT NULL,
    status TEXT NOT NULL,
    assignee_id INTEGER REFERENCES users (id),
    referred_to TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX incidents_by_status ON incidents (status, constituency_no);

CREATE TABLE incident_events (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    at INTEGER NOT NULL,
    actor_user_id INTEGER REFERENCES users (id),
    from_status TEXT,
    to_status TEXT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incident_events_by_incident ON incident_events (incident_id, id);

-- Two observers at one station answering a question differently.
CREATE TABLE conflicts (
    id INTEGER PRIMARY KEY,
    station_id INTEGER NOT NULL REFERENCES stations (id),
    constituency_no INTEGER NOT NULL,
    form_code TEXT NOT NULL,
    question_code TEXT NOT NULL,
    submission_a INTEGER NOT NULL REFERENCES submissions (id),
    submission_b INTEGER NOT NULL REFERENCES submissions (id),
    status TEXT NOT NULL DEFAULT 'open',
    resolved_value TEXT,
    resolved_by INTEGER REFERENCES users (id),
    resolved_at INTEGER,
    UNIQUE (station_id, form_code, question_code, submission_a, submission_b)
);
CREATE INDEX conflicts_by_status ON conflicts (status, constituency_no);

CREATE TABLE ledger (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    previous_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
