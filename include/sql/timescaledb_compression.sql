-- TimescaleDB: compression settings (segment by / order by) per hypertable column.
SELECT quote_ident(hypertable_schema) || '.' || quote_ident(hypertable_name) || '.' || quote_ident(attname) AS name,
       concat_ws(' ', 'segmentby', segmentby_column_index, 'orderby', orderby_column_index,
                 CASE WHEN orderby_asc THEN 'asc' WHEN NOT orderby_asc THEN 'desc' END,
                 CASE WHEN orderby_nullsfirst THEN 'nulls first' END) AS detail
FROM timescaledb_information.compression_settings
ORDER BY 1;
