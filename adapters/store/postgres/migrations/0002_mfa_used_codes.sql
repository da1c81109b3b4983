-- MFA codes held or used, one row per (person, enrolment, TOTP time step): the primary key makes a code
-- single-use across instances by a constraint, beneath the per-person row lock of mfa_enrolments. A row is
-- written when an approval reserves a code, kept when the approval uses it, and deleted when the code is given
-- back (the approval was refused or its reservation lapsed unused) so it may be entered again.
CREATE TABLE mfa_used_codes (
  user_id     text NOT NULL,
  enrolment   text NOT NULL,   -- the sealed secret's iv: a new enrolment starts a new set of steps
  step        bigint NOT NULL,
  reservation text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, enrolment, step)
);
