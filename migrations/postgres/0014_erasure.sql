-- Erasure on request (UU No. 27 Tahun 2022; keep in step with the other backend's
-- 0014_erasure.sql): when a respondent asks to be forgotten (`/hapus` in the chat, or
-- `jejak respondent delete`), their personal fields, answers and channel addresses are
-- erased and the row stays as a tombstone, so the report's counts do not change. This
-- column says when that happened (NULL: never).
ALTER TABLE respondents ADD COLUMN erased_at BIGINT;
