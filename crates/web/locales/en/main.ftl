# pollwatch — English

yes = yes
no = no
save = Save
search = Search
search-button = Search
total = Total
shown = Shown
name = Name
code = Code
address = Address
area = Area
active = Active
inactive = inactive
activate = Activate
deactivate = Deactivate
account = Account
back-home = Back to the front page
back-to-person = Back to the person
times-in-baku = times in Baku time (UTC+4)
pager-previous = Previous
pager-next = Next

nav-constituencies = Constituencies
nav-stations = Polling stations
nav-candidates = Candidates
nav-organisations = Organisations
nav-people = People
nav-imports = Import
nav-exports = Export
nav-audit = Audit log
nav-tokens = API tokens
nav-sign-in = Sign in
nav-sign-out = Sign out

sign-in-title = Sign in
sign-in-button = Sign in
sign-in-failed = The username or password is wrong, or the account is disabled.
sign-in-help = Use the username and password your organisation gave you. Forgot them? Ask your coordinator.
field-username = Username
field-password = Password
field-full-name = Full name
field-role = Role
field-organisation = Organisation
field-phone = Phone
field-email = E-mail
field-observer-code = Observer code
field-stations = Polling stations
field-constituencies = Constituencies
observer-code-hint = six digits; blank = assigned automatically

election-date = Election day
figure-constituencies = constituencies
figure-stations = polling stations
figure-voters = registered voters
figure-monitored = monitored constituencies
no-election-yet = No election has been loaded yet. An administrator can import constituencies, stations and candidates.
your-work = Your work
your-role = Your role
your-stations = { $count ->
    [one] You are deployed to one polling station:
   *[other] You are deployed to { $count } polling stations:
}
your-constituencies = You coordinate:
count-stations = { $count ->
    [one] { $count } polling station
   *[other] { $count } polling stations
}

constituencies-title = Constituencies
constituency = Constituency
constituency-search-hint = number or name, e.g. 17 or Yasamal
in-baku = In Baku
in-baku-yes = yes
in-baku-no = no
in-baku-partial = partly
monitored = Monitored
monitored-only = monitored only
people-here = People working here
stations-title = Polling stations
candidates-title = Candidates
nominated-by = Nominated by
organisations-title = Member organisations
coalition-name = The Election Monitoring and Analysis Group is a coalition of three organisations.
people-count = People

role-coalition_admin = Coalition administrator
role-org_admin = Organisation administrator
role-coordinator = Constituency coordinator
role-observer = Observer
role-media_monitor = Media monitor
role-analyst = Analyst
role-partner = Partner

people-title = People
people-search-hint = name, username or phone
person-new = Add a person
person-role-not-allowed = You may not give this role or organisation.
person-conflict = This username or observer code is already taken
password-issued = New password
password-issued-help = Give this password to the person privately. It is shown only once; they can change it under Account.
password-reset = Issue a new password
password-change = Change your password
password-current = Current password
password-new = New password (at least 10 characters)
password-current-wrong = The current password is wrong.
password-too-short = The new password must have at least 10 characters.
password-changed = Your password has been changed.

imports-title = Import
imports-help = Upload a CSV or Excel (.xlsx) file. You will choose which column holds what, check the file with a dry run, and only then apply it. A file with any problem is never half-imported.
import-kind = What the file holds
import-kind-constituencies = Constituencies
import-kind-stations = Polling stations
import-kind-candidates = Candidates
import-kind-people = People
import-kind-missing = Choose what the file holds.
import-file = File (CSV or XLSX)
import-upload = Upload
import-columns = Columns each import reads (* required)
import-unreadable = The file could not be read
import-rows = Data rows
import-mapping = Which column holds what
import-mapping-invalid = The column choice is incomplete
import-dry-run = Dry run (check, change nothing)
import-apply = Apply
import-preview = First rows of the file
import-has-problems = Nothing was imported. Fix these problems in the file and upload it again
import-row = Row
import-column = Column
import-value = Value
import-problem = Problem
import-conflict = The database refused a row
import-created = new
import-updated = updated
import-applied = Imported
import-dry-run-ok = Dry run passed, nothing was changed:
import-another = Import another file

problem-required = a value is required
problem-not-a-number = must be a whole number
problem-out-of-range = must be between { $min } and { $max }
problem-unknown-constituency = no such constituency (import constituencies first)
problem-unknown-station = there is no polling station { $station }
problem-bad-station = not a polling station
problem-unknown-organisation = no member organisation has this code
problem-organisation-required = this role needs a member organisation
problem-unknown-role = unknown role; use observer, coordinator, org_admin, media_monitor, analyst, partner or coalition_admin
problem-not-yes-no = must be yes or no
problem-bad-value = invalid value
problem-duplicate = repeats row { $row }

exports-title = Export

audit-title = Audit log
audit-when = When
audit-actor = Who
audit-channel = Channel
audit-action = Action
audit-entity = Record
audit-details = Details
audit-from = From
audit-until = Until

tokens-title = API tokens
tokens-help = A token lets a partner's system or a device read the API as the account it is issued to. It is shown once and stored only as a hash; revoke it when it is no longer needed.
token-label = Label
token-account = Account (username)
token-create = Issue token
token-created = Issued
token-revoke = Revoke
token-revoked = revoked
token-issued = New API token
token-issued-help = Copy this token now; it will not be shown again.
token-account-unknown = Give a label and the username of an existing account.

error-unauthenticated = Please sign in
error-forbidden = You may not do this
error-not_found = Not found
error-invalid = The request is not valid
error-conflict = This conflicts with existing data
error-csrf = The form has expired or did not come from this site. Reload the page and try again.
error-too_many_requests = Too many attempts. Wait a few minutes and try again.
error-too_large = The upload is too large
error-internal = Something went wrong on our side. Try again; if it persists, tell the coalition's administrator.

# Election-day reporting
answers-invalid = Some answers need fixing
answer-unknown_question = this form has no such question
answer-required = an answer is needed
answer-not_yes_no = answer yes or no
answer-not_integer = must be a whole number
answer-not_number = must be a number
answer-out_of_range = must be between { $min } and { $max }
answer-unknown_choice = choose one of: { $allowed }
answer-too_long = at most { $max } characters
answer-not_text = must be text
answer-bad_time = write the time as HH:MM, e.g. 08:05
answer-not_a_photo = attach the photo again
answer-check_failed = the figures do not add up
intake-bad-id = The report's id must have 8 to 64 letters, digits, '-' or '_'.
intake-unknown-form = There is no form
intake-bad-station = No such polling station; write it as constituency/station, e.g. 17/203
intake-station-needed = You cover several stations: say which one this report is for.
intake-id-reused = This report id was already used for a different report
