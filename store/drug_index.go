package store

import (
	"cmp"
	"encoding/json"
	"hotline/store/jptext"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// drugCatalog holds the in-memory index of the current drug master. The
// index is immutable once published: a search loads the pointer once and
// works on that index to the end, so an import that swaps in a new one
// never shows a reader half of each.
type drugCatalog struct {
	idx atomic.Pointer[drugIndex]
	// mu serialises building and swapping (the first use, each import).
	mu sync.Mutex
	// importing is held by the import running, if any.
	importing sync.Mutex
}

// drugIndex is one version of the master, ready to search.
type drugIndex struct {
	master DrugMaster // Version 0: no master imported yet
	drugs  []Drug     // sorted by code
	// nameKey and ingKey are the search keys (jptext.TextSearchKey) of each drug's
	// 品名 and 成分名, by position in drugs.
	nameKey, ingKey []string
	// byName lists the drugs in the order of their name key (then code),
	// byIngredient in the order of their ingredient key (then name key,
	// code): a prefix is a range of each. nameRank is each drug's position
	// in byName.
	byName, byIngredient, nameRank []int32
	// grams maps each character and each pair of adjacent characters of
	// the keys to the drugs whose name or ingredient key holds it
	// (postings[off:off+n], ascending), for substring search.
	grams    map[uint64]gramSpan
	postings []int32
	// alternatives groups the drugs by 区分, 成分名 and 規格, cheapest
	// first (alternativeKey).
	alternatives map[string][]int32
	built        time.Duration
}

type gramSpan struct{ off, n uint32 }

func gramKey(a, b rune) uint64 { return uint64(a)<<32 | uint64(b) }

// find returns the position of the drug with code.
func (x *drugIndex) find(code string) (int, bool) {
	i := sort.Search(len(x.drugs), func(i int) bool { return x.drugs[i].Code >= code })
	return i, i < len(x.drugs) && x.drugs[i].Code == code
}

// gram returns the drugs whose keys hold the character pair (b == 0: the
// single character a).
func (x *drugIndex) gram(a, b rune) []int32 {
	s, ok := x.grams[gramKey(a, b)]
	if !ok {
		return nil
	}
	return x.postings[s.off : s.off+s.n]
}

// newDrugIndex indexes drugs (sorted by code) of master.
func newDrugIndex(master DrugMaster, drugs []Drug) *drugIndex {
	start := time.Now()
	n := len(drugs)
	x := &drugIndex{master: master, drugs: drugs, nameKey: make([]string, n), ingKey: make([]string, n),
		byName: make([]int32, n), byIngredient: make([]int32, n), nameRank: make([]int32, n),
		alternatives: map[string][]int32{}}
	lists := map[uint64][]int32{}
	add := func(k uint64, id int32) {
		l := lists[k]
		if len(l) == 0 || l[len(l)-1] != id {
			lists[k] = append(l, id)
		}
	}
	for i := range drugs {
		id := int32(i)
		x.nameKey[i] = jptext.TextSearchKey(drugs[i].Name)
		x.ingKey[i] = jptext.TextSearchKey(drugs[i].Ingredient)
		x.byName[i], x.byIngredient[i] = id, id
		for _, key := range []string{x.nameKey[i], x.ingKey[i]} {
			var prev rune
			for _, r := range key {
				add(gramKey(r, 0), id)
				if prev != 0 {
					add(gramKey(prev, r), id)
				}
				prev = r
			}
		}
		k := alternativeKey(drugs[i])
		x.alternatives[k] = append(x.alternatives[k], id)
	}
	slices.SortFunc(x.byName, func(a, b int32) int {
		return cmp.Or(cmp.Compare(x.nameKey[a], x.nameKey[b]), cmp.Compare(a, b))
	})
	for pos, id := range x.byName {
		x.nameRank[id] = int32(pos)
	}
	slices.SortFunc(x.byIngredient, func(a, b int32) int {
		return cmp.Or(cmp.Compare(x.ingKey[a], x.ingKey[b]), cmp.Compare(x.nameRank[a], x.nameRank[b]))
	})
	// One flat array of postings: a slice header and the slack of append
	// per pair would cost more than the postings themselves.
	total := 0
	for _, l := range lists {
		total += len(l)
	}
	x.postings = make([]int32, 0, total)
	x.grams = make(map[uint64]gramSpan, len(lists))
	for k, l := range lists {
		x.grams[k] = gramSpan{off: uint32(len(x.postings)), n: uint32(len(l))}
		x.postings = append(x.postings, l...)
	}
	for k, g := range x.alternatives {
		slices.SortFunc(g, func(a, b int32) int {
			return cmp.Or(cmp.Compare(drugs[a].Price, drugs[b].Price), cmp.Compare(x.nameRank[a], x.nameRank[b]))
		})
		x.alternatives[k] = slices.Clip(g)
	}
	x.built = time.Since(start)
	return x
}

// drugIndex returns the index of the current master, building it from the
// file at first use.
func (db *DB) drugIndex() (*drugIndex, error) {
	if x := db.drugs.idx.Load(); x != nil {
		return x, nil
	}
	db.drugs.mu.Lock()
	defer db.drugs.mu.Unlock()
	if x := db.drugs.idx.Load(); x != nil {
		return x, nil
	}
	var x *drugIndex
	err := db.View(func(tx *Tx) error {
		var err error
		x, err = loadDrugIndexTx(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	db.drugs.idx.Store(x)
	return x, nil
}

// publishDrugIndex swaps in the index of a master just committed.
func (db *DB) publishDrugIndex(x *drugIndex) {
	db.drugs.mu.Lock()
	defer db.drugs.mu.Unlock()
	db.drugs.idx.Store(x)
}

func loadDrugIndexTx(tx *Tx) (*drugIndex, error) {
	if tx.Bucket(bucketDrugs) == nil {
		return newDrugIndex(DrugMaster{}, nil), nil // a file not migrated (read-only)
	}
	cur, _ := drugVersionsTx(tx)
	if cur == 0 {
		return newDrugIndex(DrugMaster{}, nil), nil
	}
	m, err := drugMasterTx(tx, cur)
	if err != nil {
		return nil, err
	}
	vb := tx.bucket(bucketDrugs).Bucket(itob(cur))
	if vb == nil {
		return nil, Errorf(EINTERNAL, "drug master %d: drugs missing", cur)
	}
	drugs := make([]Drug, 0, m.Total)
	in := interner{}
	c := vb.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var d Drug
		if err := json.Unmarshal(v, &d); err != nil {
			return nil, Errorf(EINTERNAL, "drug %s: %v", k, err)
		}
		in.drug(&d)
		drugs = append(drugs, d)
	}
	return newDrugIndex(m, drugs), nil
}

// interner shares the strings that repeat across the list (makers, 規格,
// marks), so the index holds each once.
type interner map[string]string

func (in interner) s(p *string) {
	if *p == "" {
		return
	}
	if v, ok := in[*p]; ok {
		*p = v
		return
	}
	in[*p] = *p
}

func (in interner) drug(d *Drug) {
	cat := string(d.Category)
	in.s(&cat)
	d.Category = DrugCategory(cat)
	for _, p := range []*string{&d.Ingredient, &d.Spec, &d.Pharmacopoeia, &d.Narcotic, &d.MakerNote,
		&d.Maker, &d.GenericMark, &d.BrandMark, &d.BrandWithGeneric, &d.Remarks} {
		in.s(p)
	}
}

// DrugIndexStats describe the in-memory index (for the operator page and
// the benchmarks).
type DrugIndexStats struct {
	Version  uint64
	Drugs    int
	Grams    int // distinct characters and character pairs indexed
	Postings int
	// ApproxBytes is an estimate of the memory the index holds (strings
	// counted once even where shared); the benchmarks measure the heap.
	ApproxBytes int64
	BuildTime   time.Duration
}

// LoadDrugIndex builds the drug index now if it is not built yet (the
// server may call it at start-up so the first search does not wait for
// it), and describes it.
func (db *DB) LoadDrugIndex() (DrugIndexStats, error) {
	x, err := db.drugIndex()
	if err != nil {
		return DrugIndexStats{}, err
	}
	return x.stats(), nil
}

func (x *drugIndex) stats() DrugIndexStats {
	st := DrugIndexStats{Version: x.master.Version, Drugs: len(x.drugs), Grams: len(x.grams),
		Postings: len(x.postings), BuildTime: x.built}
	seen := map[string]bool{}
	str := func(s string) int64 {
		if s == "" || seen[s] {
			return 0
		}
		seen[s] = true
		return int64(len(s))
	}
	b := int64(len(x.drugs)) * int64(unsafe.Sizeof(Drug{}))
	for i, d := range x.drugs {
		for _, s := range []string{d.Code, string(d.Category), d.Ingredient, d.Spec, d.Pharmacopoeia, d.Narcotic,
			d.MakerNote, d.Name, d.Maker, d.GenericMark, d.BrandMark, d.BrandWithGeneric, d.Remarks,
			x.nameKey[i], x.ingKey[i]} {
			b += str(s)
		}
	}
	b += int64(len(x.drugs)) * (2*16 + 3*4) // keys' headers, byName, byIngredient, nameRank
	b += int64(len(x.postings)) * 4
	b += int64(len(x.grams)) * (8 + 8) * 2 // entries and the map's own slack
	for k, g := range x.alternatives {
		b += int64(len(k)) + 16 + 24 + int64(len(g))*4
	}
	st.ApproxBytes = b
	return st
}
