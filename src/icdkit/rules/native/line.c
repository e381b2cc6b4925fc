/* A JSON Lines row read without making Python objects, in the one form JSON writers give a
 * batch row: an object whose keys and strings are printable ASCII without escapes, whose
 * numbers are whole, whose values are strings, whole numbers, null or lists of strings. A
 * line in any other form (escapes, floats, true/false, nested objects, a key given twice, more
 * after the object) is not read here: the caller reads it with Python's json, which says what
 * it means. Read here, a line means what json.loads makes of it. */
#include "native.h"

typedef struct {
    const char *at, *end;
} Cursor;

static void
skip_space(Cursor *c)
{
    while (c->at < c->end && (*c->at == ' ' || *c->at == '\t' || *c->at == '\n' || *c->at == '\r'))
        c->at++;
}

/* a string without escapes: its text in *out; 0 when not one */
static int
string(Cursor *c, Span *out)
{
    if (c->at >= c->end || *c->at != '"')
        return 0;
    const char *start = ++c->at;
    while (c->at < c->end && *c->at != '"') {
        unsigned char ch = (unsigned char)*c->at;
        if (ch < 0x20 || ch > 0x7e || ch == '\\')
            return 0;
        c->at++;
    }
    if (c->at >= c->end)
        return 0;
    *out = (Span){start, c->at - start};
    c->at++;
    return 1;
}

/* a whole number of at most 15 digits (json.loads makes an int of it); 0 when not one */
static int
whole(Cursor *c, long long *out)
{
    int negative = c->at < c->end && *c->at == '-';
    c->at += negative;
    const char *digits = c->at;
    long long v = 0;
    while (c->at < c->end && *c->at >= '0' && *c->at <= '9' && c->at - digits < 16)
        v = 10 * v + (*c->at++ - '0');
    Py_ssize_t n = c->at - digits;
    if (n < 1 || n > 15 || (n > 1 && *digits == '0'))
        return 0;
    if (c->at < c->end && (*c->at == '.' || *c->at == 'e' || *c->at == 'E'))
        return 0; /* a float */
    *out = negative ? -v : v;
    return 1;
}

const char *const FIELDS[N_FIELDS] = {"id", "codes", "age", "sex", "date", "setting"};

static int
key_of(Span s)
{
    for (int k = 0; k < N_FIELDS; k++)
        if ((Py_ssize_t)strlen(FIELDS[k]) == s.len && !memcmp(FIELDS[k], s.at, s.len))
            return k;
    return -1;
}

/* a value: a string (*text), a whole number (*number), null, or a list of strings (codes,
 * at most max_codes); kind says which: 's', 'n', '0', '[' */
static int
value(Cursor *c, char *kind, Span *text, long long *number, Line *line, Py_ssize_t max_codes, int keep)
{
    if (c->at >= c->end)
        return 0;
    if (*c->at == '"') {
        *kind = 's';
        return string(c, text);
    }
    if (*c->at == 'n') {
        *kind = '0';
        if (c->end - c->at < 4 || memcmp(c->at, "null", 4))
            return 0;
        c->at += 4;
        return 1;
    }
    if (*c->at == '[') {
        *kind = '[';
        c->at++;
        skip_space(c);
        Py_ssize_t n = 0;
        if (c->at < c->end && *c->at == ']') {
            c->at++;
            return 1;
        }
        for (;;) {
            Span s;
            if (!string(c, &s) || n >= max_codes || n >= LINE_CODES)
                return 0;
            if (keep)
                line->codes[n] = s;
            n++;
            skip_space(c);
            if (c->at < c->end && *c->at == ']') {
                c->at++;
                break;
            }
            if (c->at >= c->end || *c->at != ',')
                return 0;
            c->at++;
            skip_space(c);
        }
        if (keep)
            line->n_codes = n;
        return 1;
    }
    *kind = 'n';
    return whole(c, number);
}

int
read_line(const char *text, Py_ssize_t len, Py_ssize_t max_codes, Line *line)
{
    Cursor c = {text, text + len};
    int seen = 0;
    memset(line, 0, sizeof(Line));
    skip_space(&c);
    if (c.at >= c.end || *c.at++ != '{')
        return 0;
    skip_space(&c);
    if (c.at < c.end && *c.at == '}')
        c.at++;
    else
        for (;;) {
            Span name, text_value = {NULL, 0};
            char kind;
            long long number = 0;
            if (!string(&c, &name))
                return 0;
            skip_space(&c);
            if (c.at >= c.end || *c.at++ != ':')
                return 0;
            skip_space(&c);
            int k = key_of(name);
            if (k >= 0 && seen & (1 << k))
                return 0; /* json.loads keeps the last: not this simple form */
            if (!value(&c, &kind, &text_value, &number, line, max_codes, k == CODES))
                return 0;
            if (k >= 0) {
                seen |= 1 << k;
                if (k == CODES ? kind != '[' : k == ID ? kind != 's' : k == AGE ? kind == 's' || kind == '['
                                                                                : kind == 'n' || kind == '[')
                    return 0;
                if (k == AGE) {
                    line->has_age = kind == 'n';
                    line->age = number;
                }
                else if (k != CODES) {
                    Span *to = k == ID ? &line->id : k == SEX ? &line->sex : k == DATE ? &line->date : &line->setting;
                    *to = kind == 's' ? text_value : (Span){NULL, 0};
                }
            }
            skip_space(&c);
            if (c.at < c.end && *c.at == ',') {
                c.at++;
                skip_space(&c);
                continue;
            }
            if (c.at >= c.end || *c.at++ != '}')
                return 0;
            break;
        }
    skip_space(&c);
    if (c.at != c.end)
        return 0;
    line->has_id = (seen >> ID) & 1;
    line->has_codes = (seen >> CODES) & 1;
    return 1;
}
