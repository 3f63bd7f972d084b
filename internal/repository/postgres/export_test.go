package postgres

// MapErr lets the external tests feed real pgx errors through the translation.
var MapErr = mapErr
