package views

import (
	"regexp"
	"time"

	"hotline/store"
)

// rfc3339 finds the timestamps audit details carry (e.g. a certificate's
// expires=2028-12-01T03:04:05Z), stored in UTC.
var rfc3339 = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`)

// AuditDetail is an audit line's detail as the log shows it: every
// timestamp in Japan time, like the 日時 column.
func AuditDetail(s string) string {
	return rfc3339.ReplaceAllStringFunc(s, func(ts string) string {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return ts
		}
		return t.In(store.Tokyo).Format("2006-01-02 15:04:05") + "（日本時間）"
	})
}
