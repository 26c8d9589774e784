// Package drugs renders the drug master's screens: the search (医薬品検索),
// the 添付文書 page of one drug and the operator's import page. The search
// results (DrugResults) are a fragment other screens reuse: the
// prescription composer shows them in pick mode (DrugPick), where each row
// puts its drug into a composer line.
package drugs

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"hotline/store"
)

// SearchURL is the search page's path.
const SearchURL = "/drugs"

// ResultsID is the id of the element the search page swaps results into.
const ResultsID = "drug-results"

// DrugURL is the 添付文書 page of a drug.
func DrugURL(code string) string { return "/drugs/" + url.PathEscape(code) }

// DrugResultsView is one page of search results as a fragment.
type DrugResultsView struct {
	Page store.DrugPage
	// URL is where the pager's links search again (SearchURL on the search
	// page; the composer's own search route in pick mode).
	URL string
	// Params are kept in the pager's links besides q and offset (e.g. the
	// composer line the search is for).
	Params url.Values
	// Target is the id of the element the results are swapped into (the
	// pager's links swap the next page there); ResultsID when empty.
	Target string
	// Pick, when set, puts a button on each row that hands the drug to a
	// composer line instead of linking to its page only.
	Pick *DrugPick
	// Error is the search text's message (too long, control characters).
	Error string
}

// DrugPick says how a row hands its drug over: an htmx GET of URL with the
// drug's code (and name and unit, for a composer that shows them before it
// looks the code up) as parameters, swapped into Target.
type DrugPick struct {
	// URL is the composer's route that answers the filled line, e.g.
	// "/rx/new/line?n=2"; the code is added as CodeParam.
	URL string
	// Target is the htmx target (a CSS selector, e.g. "#line-2").
	Target string
	// Swap is the htmx swap style; "outerHTML" when empty.
	Swap string
	// CodeParam is the name of the code's parameter; "drug_code" when empty.
	CodeParam string
	// Label is the button's text; "選択" when empty.
	Label string
}

// PickURL is the URL a row's button asks for: the pick URL with the drug's
// code, name and unit added.
func (p DrugPick) PickURL(d store.Drug) string {
	param := p.CodeParam
	if param == "" {
		param = "drug_code"
	}
	q := url.Values{}
	q.Set(param, d.Code)
	q.Set("drug_name", d.Name)
	q.Set("drug_unit", d.Unit())
	sep := "?"
	if strings.Contains(p.URL, "?") {
		sep = "&"
	}
	return p.URL + sep + q.Encode()
}

// SwapStyle is the pick's hx-swap.
func (p DrugPick) SwapStyle() string {
	if p.Swap == "" {
		return "outerHTML"
	}
	return p.Swap
}

// ButtonLabel is the pick button's text.
func (p DrugPick) ButtonLabel() string {
	if p.Label == "" {
		return "選択"
	}
	return p.Label
}

func (v DrugResultsView) target() string {
	if v.Target == "" {
		return ResultsID
	}
	return v.Target
}

func (v DrugResultsView) base() string {
	if v.URL == "" {
		return SearchURL
	}
	return v.URL
}

func (v DrugResultsView) pageURL(offset int) string {
	q := url.Values{}
	for k, vs := range v.Params {
		q[k] = append([]string(nil), vs...)
	}
	q.Set("q", v.Page.Q)
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	return v.base() + "?" + q.Encode()
}

// NextURL is the link to the next page.
func (v DrugResultsView) NextURL() string { return v.pageURL(v.Page.Next) }

// PrevURL is the link to the page before.
func (v DrugResultsView) PrevURL() string {
	return v.pageURL(max(v.Page.Offset-store.DrugPageSize, 0))
}

// Summary is the line above the results.
func (v DrugResultsView) Summary() string {
	p := v.Page
	switch {
	case p.NoMaster:
		return "薬価基準がまだ取り込まれていません。運営者にお問い合わせください。"
	case strings.TrimSpace(p.Q) == "":
		return "品名または成分名を入力してください（ひらがな・カタカナ・半角カナ・英数字のどれでも検索できます）。"
	case p.Total == 0:
		return "「" + p.Q + "」に当てはまる医薬品はありません。"
	}
	from, to := p.Offset+1, p.Offset+len(p.Hits)
	return "「" + p.Q + "」の検索結果 " + formatInt(p.Total) + "件中 " + formatInt(from) + "〜" + formatInt(to) + "件目"
}

// Kind is the 先発/後発 label of a drug ("" for neither).
func Kind(d store.Drug) string {
	switch {
	case d.IsBrand():
		return d.BrandMark
	case d.GenericMark == "★":
		return "後発品★"
	case d.IsGeneric():
		return "後発品"
	}
	return ""
}

// KindClass is the badge class of Kind.
func KindClass(d store.Drug) string {
	switch {
	case d.IsBrand():
		return "badge brand"
	case d.IsGeneric():
		return "badge ok"
	}
	return "badge"
}

// PricePerSpec is the 薬価 with its unit: "12.30円／１錠".
func PricePerSpec(d store.Drug) string {
	return d.Price.Display() + "／" + d.Spec
}

func formatInt(n int) string {
	s := strconv.Itoa(n)
	if n < 1000 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// SearchBoxView is the search field that updates a results element as the
// member types (and submits as a plain GET form without JavaScript).
type SearchBoxView struct {
	// ID is the input's id ("q" on the search page).
	ID string
	// Name is the parameter's name; "q" when empty.
	Name  string
	Query string
	// URL answers the results (the fragment on HX-Request).
	URL string
	// Target is the id of the results element.
	Target string
	// Params are sent along as hidden fields (e.g. the composer line).
	Params url.Values
	// ReplaceURL puts the search into the address bar (the search page;
	// not inside another screen such as the composer).
	ReplaceURL bool
}

func (v SearchBoxView) name() string {
	if v.Name == "" {
		return "q"
	}
	return v.Name
}

func (v SearchBoxView) id() string {
	if v.ID == "" {
		return "q"
	}
	return v.ID
}

// hiddenParam is one hidden field of the search box.
type hiddenParam struct{ Name, Value string }

func (v SearchBoxView) hidden() []hiddenParam {
	var out []hiddenParam
	for _, k := range slices.Sorted(maps.Keys(v.Params)) {
		for _, x := range v.Params[k] {
			out = append(out, hiddenParam{k, x})
		}
	}
	return out
}

// backURL is the search to return to: a local /drugs search only.
func backURL(back string) string {
	if back == "" || !strings.HasPrefix(back, SearchURL+"?") || strings.ContainsAny(back, "\\\r\n\t") {
		return SearchURL
	}
	return back
}

// BackQuery is the back link for a drug page opened from the search for q.
func BackQuery(q string) string {
	if q == "" {
		return ""
	}
	return SearchURL + "?" + url.Values{"q": {q}}.Encode()
}
