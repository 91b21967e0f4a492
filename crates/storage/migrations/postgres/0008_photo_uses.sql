-- Which reports use which photo. Serving a photo decides who may see the original by the
-- constituencies of the reports that use it; finding them by searching every report's
-- answers was a full scan of the submissions table for each photo viewed.
CREATE TABLE photo_uses (
    sha256 TEXT NOT NULL,
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    constituency_no BIGINT NOT NULL,
    PRIMARY KEY (sha256, submission_id)
);
-- Reports stored before: one pass over their answers, keeping those naming a stored photo.
INSERT INTO photo_uses (sha256, submission_id, constituency_no)
SELECT DISTINCT answer.value, s.id, st.constituency_no
FROM submissions s
JOIN stations st ON st.id = s.station_id
CROSS JOIN LATERAL jsonb_each_text(s.answers::jsonb) AS answer (key, value)
WHERE length(answer.value) = 64 AND answer.value IN (SELECT sha256 FROM photos);
