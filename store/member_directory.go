package store

import (
	"encoding/json"
	"sort"
	"strings"

	"hotline/store/jptext"
)

// 会員名簿: the members who chose to appear (ユーザ編集, default yes), with
// their name, facility, 診療科, the area of the facility and their short
// introduction; the 紹介先 of a letter is chosen from it. It is searched by
// a scan of the members (a region's network has thousands of members, not
// millions) with each term matched against one search key of the row.

// MaxIntroduction is the length limit of a member's introduction.
const MaxIntroduction = 400

// DirectoryEntry is one member of the directory.
type DirectoryEntry struct {
	MemberID      string
	Name          string
	NameKana      string
	Qualification string
	Department    string
	Introduction  string
	FacilityOID   string
	FacilityName  string
	Area          string // 市区町村 of the facility's address
}

// DirectoryQuery is a directory search: q's terms (split on spaces) must
// all be found in the name, カナ, facility, 診療科 or area.
type DirectoryQuery struct {
	Q       string
	Page    int
	PerPage int
	// Except leaves out a facility (the searcher's own, when choosing a
	// 紹介先).
	Except string
}

// DirectoryPage is one page of the directory.
type DirectoryPage struct {
	Entries []DirectoryEntry
	Total   int
	Page    int
	PerPage int
}

// Pages is the number of pages.
func (p DirectoryPage) Pages() int {
	if p.Total == 0 {
		return 1
	}
	return (p.Total + p.PerPage - 1) / p.PerPage
}

// SearchDirectory lists the directory's members matching q, in カナ order.
func (db *DB) SearchDirectory(q DirectoryQuery) (DirectoryPage, error) {
	if q.PerPage <= 0 || q.PerPage > 100 {
		q.PerPage = 20
	}
	if q.Page < 1 {
		q.Page = 1
	}
	var terms []string
	for _, t := range strings.Fields(NormalizeWidthSpaces(q.Q)) {
		if k := jptext.TextSearchKey(t); k != "" {
			terms = append(terms, k)
		}
	}
	if len(terms) > 8 {
		terms = terms[:8]
	}
	page := DirectoryPage{Page: q.Page, PerPage: q.PerPage}
	var all []DirectoryEntry
	err := db.View(func(tx *Tx) error {
		facilities := map[string]*Facility{}
		facility := func(oid string) *Facility {
			f, ok := facilities[oid]
			if !ok {
				if fac, err := facilityTx(tx, oid); err == nil && fac.Active {
					f = &fac
				}
				facilities[oid] = f
			}
			return f
		}
		return tx.bucket(bucketMembers).ForEach(func(k, v []byte) error {
			var m Member
			if err := json.Unmarshal(v, &m); err != nil {
				return Errorf(EINTERNAL, "member %s: %v", k, err)
			}
			if m.IsOperator() || !m.Active() || m.DirectoryHidden || m.FacilityOID == "" || m.FacilityOID == q.Except {
				return nil
			}
			f := facility(m.FacilityOID)
			if f == nil {
				return nil
			}
			e := DirectoryEntry{MemberID: m.ID, Name: m.Name, NameKana: m.NameKana, Department: m.Department, Introduction: m.Introduction,
				FacilityOID: f.OID, FacilityName: f.Name, Area: jptext.Municipality(f.Address)}
			if m.Qualification != "" {
				e.Qualification = m.Qualification.Label()
			}
			if len(terms) > 0 {
				key := jptext.TextSearchKey(strings.Join([]string{m.Name, m.NameKana, f.Name, m.Department, e.Area, m.ID, f.OID}, " "))
				for _, t := range terms {
					if !strings.Contains(key, t) {
						return nil
					}
				}
			}
			all = append(all, e)
			return nil
		})
	})
	if err != nil {
		return page, err
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].NameKana != all[j].NameKana {
			return all[i].NameKana < all[j].NameKana
		}
		return all[i].MemberID < all[j].MemberID
	})
	page.Total = len(all)
	first := (q.Page - 1) * q.PerPage
	if first < len(all) {
		page.Entries = all[first:min(len(all), first+q.PerPage)]
	}
	return page, nil
}
