-- Where the chunk-interval slice after `s.point` (an integer) begins: multiples of {stride}, rounded down for
-- negative values too, as TimescaleDB aligns the chunks of an integer column.
s.point - ((s.point % {stride}) + {stride}) % {stride} + {stride}
