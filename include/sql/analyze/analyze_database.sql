-- Statistics of every relation the login may analyze, as the guide's `ANALYZE;` (the analyze phase's fallback).
ANALYZE;
