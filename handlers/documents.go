package handlers

import (
	"time"

	"hotline/store"
	"hotline/store/jptext"
)

// warekiDate is the Japan-time day of t in 和暦, as paper forms print it.
func warekiDate(t time.Time) string { return jptext.FormatWareki(t.In(store.Tokyo)) }
