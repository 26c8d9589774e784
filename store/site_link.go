package store

import (
	"encoding/json"
	"hotline/store/jptext"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

var bucketSiteLinks = []byte("links")

// SiteLink is one entry of 関連サイト, the list of useful sites the operator
// keeps for members. Links are not medical data: they may be deleted.
type SiteLink struct {
	ID          string    `json:"id"` // L000001
	Title       string    `json:"title"`
	URL         string    `json:"url"`
	Description string    `json:"description,omitempty"`
	Order       int       `json:"order"` // 表示順, smaller first
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// SiteLinkSpec is the operator's 関連サイト form, in screen order. The
// order's limit is its own rule (0〜9999); Max gives the input's length.
var SiteLinkSpec = Fields{
	{Name: "title", Label: "サイト名", Max: 100, Required: true},
	{Name: "url", Label: "URL", Max: 500, Required: true},
	{Name: "description", Label: "説明", Max: 500, Multiline: true},
	{Name: "order", Label: "表示順", Max: 4},
}

// SiteLinkFormFrom reads the form's values (by SiteLinkSpec's names).
func SiteLinkFormFrom(v map[string]string) SiteLinkForm {
	return SiteLinkForm{Title: v["title"], URL: v["url"], Description: v["description"], Order: v["order"]}
}

// SiteLinkForm is what the operator posts.
type SiteLinkForm struct {
	Title       string
	URL         string
	Description string
	Order       string
}

// Validate checks the form; the URL must be http(s) with a host.
func (f *SiteLinkForm) Validate() (SiteLink, error) {
	fe := FieldErrors{}
	f.Title = strings.TrimSpace(f.Title)
	f.URL = strings.TrimSpace(jptext.NormalizeWidth(f.URL))
	f.Description = strings.TrimSpace(f.Description)
	f.Order = strings.TrimSpace(jptext.NormalizeDigits(f.Order))
	SiteLinkSpec.Check(fe, "title", f.Title)
	SiteLinkSpec.Check(fe, "url", f.URL)
	if _, bad := fe["url"]; !bad {
		u, err := url.Parse(f.URL)
		switch {
		case err != nil || u.Host == "" || u.User != nil:
			fe.Add("url", "URLは https://example.jp/ のように入力してください")
		case u.Scheme != "http" && u.Scheme != "https":
			fe.Add("url", "URLは http:// または https:// で始めてください")
		}
	}
	SiteLinkSpec.Check(fe, "description", f.Description)
	order := 0
	if f.Order != "" {
		n, err := strconv.Atoi(f.Order)
		if err != nil || n < 0 || n > 9999 {
			fe.Add("order", "表示順は0〜9999の数字で入力してください")
		}
		order = n
	}
	return SiteLink{Title: f.Title, URL: f.URL, Description: f.Description, Order: order}, fe.Err()
}

// SiteLinks lists the links in display order.
func (db *DB) SiteLinks() ([]SiteLink, error) {
	var out []SiteLink
	err := db.View(func(tx *Tx) error {
		return tx.bucket(bucketSiteLinks).ForEach(func(k, v []byte) error {
			var l SiteLink
			if err := json.Unmarshal(v, &l); err != nil {
				return Errorf(EINTERNAL, "link %s: %v", k, err)
			}
			out = append(out, l)
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Order < out[j].Order })
	return out, err
}

// SiteLink finds one link.
func (db *DB) SiteLink(id string) (SiteLink, error) {
	var l SiteLink
	err := db.View(func(tx *Tx) error {
		found, err := getJSON(tx.bucket(bucketSiteLinks), []byte(id), &l)
		if err == nil && !found {
			return NotFound()
		}
		return err
	})
	return l, err
}

// SaveSiteLink creates (id "") or updates a link, audited as actor.
func (db *DB) SaveSiteLink(id string, f SiteLinkForm, actor, remote string) (SiteLink, error) {
	l, err := f.Validate()
	if err != nil {
		return SiteLink{}, err
	}
	err = db.Update(func(tx *Tx) error {
		b := tx.bucket(bucketSiteLinks)
		action := AuditLinkUpdate
		if id == "" {
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			l.ID, l.CreatedAt = sequenceID("L", seq), tx.Now
			action = AuditLinkCreate
		} else {
			var old SiteLink
			found, err := getJSON(b, []byte(id), &old)
			if err != nil {
				return err
			}
			if !found {
				return NotFound()
			}
			l.ID, l.CreatedAt = old.ID, old.CreatedAt
		}
		l.UpdatedAt = tx.Now
		if err := putJSON(b, []byte(l.ID), l); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: actor, Action: action, Object: "link:" + l.ID, Remote: remote, Detail: l.URL})
	})
	return l, err
}

// DeleteSiteLink removes a link, audited with its URL.
func (db *DB) DeleteSiteLink(id, actor, remote string) error {
	return db.Update(func(tx *Tx) error {
		b := tx.bucket(bucketSiteLinks)
		var l SiteLink
		found, err := getJSON(b, []byte(id), &l)
		if err != nil {
			return err
		}
		if !found {
			return NotFound()
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: actor, Action: AuditLinkDelete, Object: "link:" + id, Remote: remote, Detail: l.Title + " " + l.URL})
	})
}
