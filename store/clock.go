package store

import (
	"time"
	_ "time/tzdata" // Japan time on any server, even one without a zone database
)

// Tokyo is Japan time: times are stored in UTC and shown in Asia/Tokyo.
var Tokyo = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		panic(err)
	}
	return loc
}()
