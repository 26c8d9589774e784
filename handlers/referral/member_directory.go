package referral

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	refviews "hotline/views/referral"
)

// showDirectory is the 会員名簿: ?q= over name, facility, 診療科 and area,
// ?page=. The live search gets the results alone; ?pick=1 (the compose
// form's search) gets them as choices of 紹介先, without the own facility.
func (h *Handlers) showDirectory(c *fiber.Ctx) error {
	m := web.MemberOf(c)
	q := clean(c.Query("q"), 300)
	page, _ := strconv.Atoi(c.Query("page"))
	dq := store.DirectoryQuery{Q: q, Page: page}
	pick := c.Query("pick") == "1"
	if pick {
		dq.Except, dq.PerPage = m.FacilityOID, 10
		if q == "" {
			return h.web.Partial(c, refviews.DirectoryResults(refviews.DirectoryView{Pick: true}))
		}
	}
	res, err := h.db.SearchDirectory(dq)
	if err != nil {
		return err
	}
	v := refviews.DirectoryView{Q: q, Page: res, Pick: pick}
	c.Vary("HX-Request")
	if web.IsHTMX(c) && (pick || c.Get("HX-Target") == "member-results") {
		return h.web.Partial(c, refviews.DirectoryResults(v))
	}
	v.Nav = h.nav(c, "members")
	return h.web.Render(c, "会員名簿", refviews.Directory(v))
}
