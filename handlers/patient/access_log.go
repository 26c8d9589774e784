package patient

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
	patientviews "hotline/views/patient"
)

// accessPageSize is how many lines one page of 閲覧履歴 shows.
const accessPageSize = 50

// showAccessLog is 閲覧履歴: who opened the patient's records and
// attachments, and when (Japan time), newest first, paginated by the
// audit sequence (?before=).
func (h *Handlers) showAccessLog(c *fiber.Ctx) error {
	p := patientOf(c)
	before, _ := strconv.ParseUint(c.Query("before"), 10, 64)
	page, err := h.db.PatientAccessLog(p.ID, before, accessPageSize)
	if err != nil {
		return err
	}
	// Titles only of records the patient may read now; the others are
	// named without their title.
	items, err := h.db.PatientRecords(p.ID)
	if err != nil {
		return err
	}
	titles := make(map[string]string, len(items))
	for _, it := range items {
		titles[it.ID] = it.Title
	}
	if err := h.audit(c, store.AuditPatientAccessView, "patient-page:access"); err != nil {
		return err
	}
	v := patientviews.AccessView{Paged: before > 0}
	for _, e := range page.Entries {
		en := patientviews.AccessEntry{When: views.DateTime(e.At), Self: e.Self}
		if e.Self {
			en.Facility, en.Who = "（患者様ページ）", "ご本人"
		} else {
			en.Facility, en.Who = orDash(e.FacilityName), orDash(e.MemberName)
		}
		what := "記録"
		if t, ok := titles[e.RecordID]; ok {
			what = "記録「" + t + "」"
		}
		if e.Attachment {
			what += "の添付ファイルを閲覧"
		} else {
			what += "を閲覧"
		}
		en.What = what
		v.Entries = append(v.Entries, en)
	}
	if page.Next != 0 {
		v.NextHref = "/patient/access?before=" + strconv.FormatUint(page.Next, 10)
	}
	return h.web.Render(c, "閲覧履歴", patientviews.Access(v))
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
