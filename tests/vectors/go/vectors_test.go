// Package vectors checks the tachc-generated Go views against the cross-language
// vectors in tests/vectors/*.json: every field read through the getters matches the
// JSON, and writing every field through the setters into a zeroed buffer gives the
// vector's bytes exactly.
//
// Accessors are found by reflection from the field names (Price, SetPrice, ...), so
// the test follows the schemas; only the view constructors are listed by hand.
package vectors

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"tachyon.local/generated/common"
	"tachyon.local/generated/everything"
	"tachyon.local/generated/frames"
	"tachyon.local/generated/market"
)

// views makes the view of each struct type that has vectors, by "schema.Type".
var views = map[string]func([]byte) (any, error){
	"market.MarketTick":      func(b []byte) (any, error) { return market.NewMarketTick(b) },
	"frames.Frame":           func(b []byte) (any, error) { return frames.NewFrame(b) },
	"frames.MediaHeader":     func(b []byte) (any, error) { return frames.NewMediaHeader(b) },
	"frames.VideoFrame":      func(b []byte) (any, error) { return frames.NewVideoFrame(b) },
	"frames.AudioFrame":      func(b []byte) (any, error) { return frames.NewAudioFrame(b) },
	"common.Vec3":            func(b []byte) (any, error) { return common.NewVec3(b) },
	"common.Money":           func(b []byte) (any, error) { return common.NewMoney(b) },
	"everything.Scalars":     func(b []byte) (any, error) { return everything.NewScalars(b) },
	"everything.Collections": func(b []byte) (any, error) { return everything.NewCollections(b) },
	"everything.Envelope":    func(b []byte) (any, error) { return everything.NewEnvelope(b) },
}

type vectorFile struct {
	Schema  string `json:"schema"`
	Vectors []struct {
		Type   string         `json:"type"`
		Hex    string         `json:"hex"`
		Fields map[string]any `json:"fields"`
	} `json:"vectors"`
}

func vectorsDir() string {
	if d := os.Getenv("TACHYON_VECTORS_DIR"); d != "" {
		return d
	}
	return ".."
}

func TestVectors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(vectorsDir(), "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no vector files in %s", vectorsDir())
	}
	sort.Strings(files)
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var vf vectorFile
		if err := json.Unmarshal(data, &vf); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(vf.Vectors) == 0 {
			t.Errorf("%s: no vectors", file)
		}
		for i, v := range vf.Vectors {
			name := vf.Schema + "." + v.Type
			t.Run(name+"/"+strconv.Itoa(i), func(t *testing.T) {
				newView, ok := views[name]
				if !ok {
					t.Fatalf("no view constructor listed for %s", name)
				}
				want, err := hex.DecodeString(v.Hex)
				if err != nil {
					t.Fatal(err)
				}
				view, err := newView(want)
				if err != nil {
					t.Fatal(err)
				}
				if n := reflect.ValueOf(view).Len(); n != len(want) {
					t.Fatalf("vector has %d bytes, the view %d", len(want), n)
				}
				checkFields(t, reflect.ValueOf(view), v.Fields, v.Type)

				buf := make([]byte, len(want))
				out, err := newView(buf)
				if err != nil {
					t.Fatal(err)
				}
				writeFields(t, reflect.ValueOf(out), v.Fields, v.Type)
				if got := hex.EncodeToString(buf); got != v.Hex {
					t.Errorf("re-encoded\n got %s\nwant %s", got, v.Hex)
				}
			})
		}
	}
}

// method finds the accessor of a schema field: "a_u8" -> AU8, "stream_id" -> StreamId.
func method(t *testing.T, view reflect.Value, prefix, field string) reflect.Value {
	t.Helper()
	want := strings.ToLower(prefix + strings.ReplaceAll(field, "_", ""))
	typ := view.Type()
	for i := 0; i < typ.NumMethod(); i++ {
		if strings.ToLower(typ.Method(i).Name) == want {
			return view.Method(i)
		}
	}
	t.Fatalf("%s has no method for %s%s", typ, prefix, field)
	return reflect.Value{}
}

func checkFields(t *testing.T, view reflect.Value, fields map[string]any, path string) {
	t.Helper()
	for key, want := range fields {
		get := method(t, view, "", key)
		p := path + "." + key
		list, isList := want.([]any)
		if !isList {
			checkValue(t, get.Call(nil)[0], want, p)
			continue
		}
		for i, e := range list {
			checkValue(t, get.Call([]reflect.Value{reflect.ValueOf(i)})[0], e, p+"["+strconv.Itoa(i)+"]")
		}
		// One past the end is out of range: the array has exactly len(list) elements.
		if !panics(func() { get.Call([]reflect.Value{reflect.ValueOf(len(list))}) }) {
			t.Errorf("%s: index %d is in range; the vector lists %d elements", p, len(list), len(list))
		}
	}
}

func panics(f func()) (did bool) {
	defer func() { did = recover() != nil }()
	f()
	return false
}

func checkValue(t *testing.T, got reflect.Value, want any, path string) {
	t.Helper()
	switch got.Kind() {
	case reflect.Slice: // a nested view
		obj, ok := want.(map[string]any)
		if !ok {
			t.Fatalf("%s: want an object, got %v", path, want)
		}
		checkFields(t, got, obj, path)
	case reflect.String:
		if got.String() != want {
			t.Errorf("%s = %q, want %q", path, got.String(), want)
		}
	case reflect.Bool:
		if got.Bool() != want {
			t.Errorf("%s = %v, want %v", path, got.Bool(), want)
		}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if w := parseUint(t, want, path); got.Uint() != w {
			t.Errorf("%s = %d, want %d", path, got.Uint(), w)
		}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if w := parseInt(t, want, path); got.Int() != w {
			t.Errorf("%s = %d, want %d", path, got.Int(), w)
		}
	case reflect.Float32:
		g, w := float32(got.Float()), float32(parseFloat(t, want, path))
		if w != w {
			if g == g {
				t.Errorf("%s = %v, want NaN", path, g)
			}
		} else if math.Float32bits(g) != math.Float32bits(w) {
			t.Errorf("%s = %v, want %v", path, g, w)
		}
	case reflect.Float64:
		g, w := got.Float(), parseFloat(t, want, path)
		if math.IsNaN(w) {
			if !math.IsNaN(g) {
				t.Errorf("%s = %v, want NaN", path, g)
			}
		} else if math.Float64bits(g) != math.Float64bits(w) {
			t.Errorf("%s = %v, want %v", path, g, w)
		}
	default:
		t.Fatalf("%s: unexpected getter kind %s", path, got.Kind())
	}
}

func writeFields(t *testing.T, view reflect.Value, fields map[string]any, path string) {
	t.Helper()
	for key, want := range fields {
		p := path + "." + key
		switch w := want.(type) {
		case map[string]any: // nested view: write through the view of the field, in place
			writeFields(t, method(t, view, "", key).Call(nil)[0], w, p)
		case []any:
			for i, e := range w {
				ip := p + "[" + strconv.Itoa(i) + "]"
				idx := reflect.ValueOf(i)
				if obj, ok := e.(map[string]any); ok {
					writeFields(t, method(t, view, "", key).Call([]reflect.Value{idx})[0], obj, ip)
					continue
				}
				set := method(t, view, "Set", key)
				set.Call([]reflect.Value{idx, value(t, set.Type().In(1), e, ip)})
			}
		default:
			set := method(t, view, "Set", key)
			out := set.Call([]reflect.Value{value(t, set.Type().In(0), w, p)})
			if len(out) == 1 && !out[0].IsNil() {
				t.Errorf("%s: %v", p, out[0].Interface())
			}
		}
	}
}

// value converts a JSON field value to the setter's parameter type.
func value(t *testing.T, typ reflect.Type, want any, path string) reflect.Value {
	t.Helper()
	v := reflect.New(typ).Elem()
	switch typ.Kind() {
	case reflect.String:
		s, _ := want.(string)
		v.SetString(s)
	case reflect.Bool:
		b, _ := want.(bool)
		v.SetBool(b)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(parseUint(t, want, path))
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(parseInt(t, want, path))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(parseFloat(t, want, path))
	default:
		t.Fatalf("%s: unexpected setter parameter %s", path, typ)
	}
	return v
}

func parseUint(t *testing.T, want any, path string) uint64 {
	t.Helper()
	s, _ := want.(string)
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("%s: %v is not an unsigned integer string", path, want)
	}
	return n
}

func parseInt(t *testing.T, want any, path string) int64 {
	t.Helper()
	s, _ := want.(string)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s: %v is not an integer string", path, want)
	}
	return n
}

func parseFloat(t *testing.T, want any, path string) float64 {
	t.Helper()
	switch w := want.(type) {
	case float64:
		return w
	case string:
		switch w {
		case "nan":
			return math.NaN()
		case "inf":
			return math.Inf(1)
		case "-inf":
			return math.Inf(-1)
		}
	}
	t.Fatalf("%s: %v is not a float", path, want)
	return 0
}

type textRules struct {
	Schema  string `json:"schema"`
	Refused []struct {
		Type  string `json:"type"`
		Field string `json:"field"`
		Value string `json:"value"`
		Hex   string `json:"hex"`
	} `json:"text_refused"`
	Invalid []struct {
		Type  string `json:"type"`
		Field string `json:"field"`
		Hex   string `json:"hex"`
		Raw   string `json:"raw"`
	} `json:"text_invalid"`
}

// char[N] text that does not fit its field is refused (a *TextError) and the
// record keeps its bytes: text is never cut, so never inside a code point.
// Bytes that are not UTF-8 read back as they are: a Go string holds bytes.
func TestTextRules(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(vectorsDir(), "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	cases := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var tr textRules
		if err := json.Unmarshal(data, &tr); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for i, r := range tr.Refused {
			cases++
			name := tr.Schema + "." + r.Type
			buf, _ := hex.DecodeString(r.Hex)
			view, err := views[name](buf)
			if err != nil {
				t.Fatalf("%s refused[%d]: %v", name, i, err)
			}
			out := method(t, reflect.ValueOf(view), "Set", r.Field).Call([]reflect.Value{reflect.ValueOf(r.Value)})
			if len(out) != 1 || out[0].IsNil() {
				t.Errorf("%s.%s = %q: accepted, want a *TextError", name, r.Field, r.Value)
			}
			if got := hex.EncodeToString(buf); got != r.Hex {
				t.Errorf("%s.%s = %q: the record changed\n got %s\nwant %s", name, r.Field, r.Value, got, r.Hex)
			}
		}
		for i, v := range tr.Invalid {
			cases++
			name := tr.Schema + "." + v.Type
			buf, _ := hex.DecodeString(v.Hex)
			view, err := views[name](buf)
			if err != nil {
				t.Fatalf("%s invalid[%d]: %v", name, i, err)
			}
			raw, _ := hex.DecodeString(v.Raw)
			got := method(t, reflect.ValueOf(view), "", v.Field).Call(nil)[0].String()
			if got != string(raw) {
				t.Errorf("%s.%s: got %q, want the bytes %q", name, v.Field, got, raw)
			}
		}
	}
	if cases == 0 {
		t.Fatal("no text_refused or text_invalid cases in the vector files")
	}
}
