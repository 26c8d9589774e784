package referral

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	refviews "hotline/views/referral"
)

// showInbox is 受信箱: letters to the member's facility (and to the member),
// newest first, filtered by ?status= and ?patient=, a page at a time
// (?before=).
func (h *Handlers) showInbox(c *fiber.Ctx) error { return h.showList(c, store.BoxInbox, "in") }

// showSent is 送信済: the facility's letters, with their read receipts.
func (h *Handlers) showSent(c *fiber.Ctx) error { return h.showList(c, store.BoxSent, "sent") }

// showDrafts is the member's drafts.
func (h *Handlers) showDrafts(c *fiber.Ctx) error { return h.showList(c, store.BoxDrafts, "drafts") }

func (h *Handlers) showList(c *fiber.Ctx, box store.ReferralBox, tab string) error {
	v := refviews.ListView{Nav: h.nav(c, tab), Box: box, Flash: flash(c)}
	q := store.ReferralQuery{Box: box}
	if s := store.ReferralStatus(c.Query("status")); s.Valid() {
		q.Status, v.Status = s, string(s)
	}
	if before, err := strconv.ParseUint(c.Query("before"), 10, 64); err == nil {
		q.Before, v.Before = before, before
	}
	none := false
	if p := clean(c.Query("patient"), 60); p != "" {
		v.Patient = p
		if id, err := store.NormalizePatientID(p); err == nil {
			q.PatientID = id
		} else {
			none = true // not a patient ID: nothing matches
		}
	}
	if !none {
		page, err := h.db.Referrals(actor(c), q)
		if err != nil {
			return err
		}
		v.Page = page
	}
	return h.web.Render(c, v.Title(), refviews.List(v))
}

// showUnread is the header's badge alone (htmx refreshes it every 60 s).
func (h *Handlers) showUnread(c *fiber.Ctx) error {
	n, err := h.db.UnreadReferrals(web.MemberOf(c).FacilityOID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.web.Partial(c, views.ReferralsBadge(n))
}
