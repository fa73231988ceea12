-- Where one sequence stands.
SELECT last_value, is_called FROM {sequence};
