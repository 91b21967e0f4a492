-- Which reports use which photo. Serving a photo decides who may see the original by the
-- constituencies of the reports that use it; finding them by searching every report's
-- answers was a full scan of the submissions table for each photo viewed.
CREATE TABLE photo_uses (
    sha256 TEXT NOT NULL,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    constituency_no INTEGER NOT NULL,
    PRIMARY KEY (sha256, submission_id)
);
-- Answers are canonical JSON: a photo's hash appears quoted exactly like this.
INSERT INTO photo_uses (sha256, submission_id, constituency_no)
SELECT p.sha256, s.id, st.constituency_no
FROM photos p
JOIN submissions s ON s.answers LIKE '%"' || p.sha256 || '"%'
JOIN stations st ON st.id = s.station_id;
