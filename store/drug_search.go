package store

import (
	"cmp"
	"hotline/store/jptext"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// DrugPageSize is how many drugs a search page shows.
const DrugPageSize = 30

// maxDrugQuery bounds the search text, in characters.
const maxDrugQuery = 100

// DrugMatch says why a drug was found.
type DrugMatch string

const (
	DrugMatchName       DrugMatch = "name"       // the 品名 starts with the text
	DrugMatchIngredient DrugMatch = "ingredient" // the 成分名 starts with it
	DrugMatchSubstring  DrugMatch = "substring"  // the 品名 or 成分名 holds it
)

// DrugQuery is a search of the drug master.
type DrugQuery struct {
	Q string
	// Offset is where the page starts: 0, or the previous page's Next.
	Offset int
	// Limit is the page size (DrugPageSize when 0; at most 100).
	Limit int
	// Category limits the search to one 区分 when set.
	Category DrugCategory
}

// DrugHit is one drug found.
type DrugHit struct {
	Drug
	Match DrugMatch
}

// DrugPage is one page of a search.
type DrugPage struct {
	Q     string
	Hits  []DrugHit
	Total int // drugs found in all
	// Offset is where this page starts; Next where the next one does,
	// when HasNext.
	Offset  int
	Next    int
	HasNext bool
	// Master is the version searched (its Version is 0 and NoMaster true
	// when no list has been imported yet).
	Master   DrugMaster
	NoMaster bool
}

// SearchDrugs finds drugs by 品名 or 成分名: first those whose 品名 starts
// with the text, then those whose 成分名 does, then those whose 品名 or
// 成分名 holds it anywhere; within each group in the order of the 品名's
// key (kana order). Kana of any kind and width, full- and half-width
// letters and digits match each other and spaces are ignored
// (jptext.TextSearchKey). An empty text finds nothing; a text that is too long or
// holds control characters is EINVALID (field "q"). The search runs on the
// in-memory index and reads nothing from the file.
func (db *DB) SearchDrugs(q DrugQuery) (DrugPage, error) {
	page := DrugPage{Q: q.Q}
	if utf8.RuneCountInString(q.Q) > maxDrugQuery {
		return page, Invalid("q", "検索語は100文字以内で入力してください")
	}
	if jptext.InvalidText(q.Q) {
		return page, Invalid("q", jptext.ErrControlCharacter.Error())
	}
	if q.Category != "" && !q.Category.Valid() {
		return page, Invalid("category", "区分を選び直してください")
	}
	x, err := db.drugIndex()
	if err != nil {
		return page, err
	}
	page.Master, page.NoMaster = x.master, x.master.Version == 0
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = DrugPageSize
	}
	page.Offset = max(q.Offset, 0)
	key := jptext.TextSearchKey(q.Q)
	if key == "" {
		return page, nil
	}
	x.search(key, q.Category, &page, q.Limit)
	return page, nil
}

// bitsets are the per-search marks of drugs already listed, reused.
var bitsets sync.Pool

func getBitset(n int) *[]uint64 {
	words := (n + 63) / 64
	if p, ok := bitsets.Get().(*[]uint64); ok && cap(*p) >= words {
		*p = (*p)[:words]
		clear(*p)
		return p
	}
	b := make([]uint64, words)
	return &b
}

// search fills page (its Offset set) with up to limit hits for key.
func (x *drugIndex) search(key string, cat DrugCategory, page *DrugPage, limit int) {
	seenP := getBitset(len(x.drugs))
	defer bitsets.Put(seenP)
	seen := *seenP
	page.Hits = make([]DrugHit, 0, limit)
	isSeen := func(id int32) bool { return seen[id>>6]&(1<<(id&63)) != 0 }
	emit := func(id int32, m DrugMatch) {
		seen[id>>6] |= 1 << (id & 63)
		if page.Total >= page.Offset && len(page.Hits) < limit {
			page.Hits = append(page.Hits, DrugHit{Drug: x.drugs[id], Match: m})
		}
		page.Total++
	}
	fits := func(id int32) bool { return cat == "" || x.drugs[id].Category == cat }

	// 品名 prefix, then 成分名 prefix: ranges of the sorted orders.
	for _, r := range []struct {
		order []int32
		keys  []string
		match DrugMatch
	}{{x.byName, x.nameKey, DrugMatchName}, {x.byIngredient, x.ingKey, DrugMatchIngredient}} {
		i := sort.Search(len(r.order), func(i int) bool { return r.keys[r.order[i]] >= key })
		for ; i < len(r.order) && strings.HasPrefix(r.keys[r.order[i]], key); i++ {
			if id := r.order[i]; !isSeen(id) && fits(id) {
				emit(id, r.match)
			}
		}
	}

	// Substrings: the drugs holding the key's rarest character pair (or
	// its one character), checked against the whole key when it is longer.
	runes := []rune(key)
	var cands []int32
	if len(runes) == 1 {
		cands = x.gram(runes[0], 0)
	} else {
		for i := 1; i < len(runes); i++ {
			g := x.gram(runes[i-1], runes[i])
			if g == nil {
				return
			}
			if cands == nil || len(g) < len(cands) {
				cands = g
			}
		}
	}
	exact := len(runes) <= 2
	var found []int32
	for _, id := range cands {
		if isSeen(id) || !fits(id) {
			continue
		}
		if exact || strings.Contains(x.nameKey[id], key) || strings.Contains(x.ingKey[id], key) {
			found = append(found, id)
		}
	}
	if len(found) > len(x.drugs)/8 {
		// Many: walk the name order once instead of sorting them.
		markP := getBitset(len(x.drugs))
		defer bitsets.Put(markP)
		mark := *markP
		for _, id := range found {
			mark[id>>6] |= 1 << (id & 63)
		}
		for _, id := range x.byName {
			if mark[id>>6]&(1<<(id&63)) != 0 {
				emit(id, DrugMatchSubstring)
			}
		}
	} else {
		slices.SortFunc(found, func(a, b int32) int { return cmp.Compare(x.nameRank[a], x.nameRank[b]) })
		for _, id := range found {
			emit(id, DrugMatchSubstring)
		}
	}
	if end := page.Offset + len(page.Hits); end < page.Total && len(page.Hits) > 0 {
		page.Next, page.HasNext = end, true
	}
}
