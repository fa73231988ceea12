-- Whether the target accepts the column option {option} = {value}: set on a temporary table's column, in a
-- transaction the check rolls back.
CREATE TEMPORARY TABLE tsm_column_option_probe (probe integer);
ALTER TABLE tsm_column_option_probe ALTER COLUMN probe SET ({option} = {value});
