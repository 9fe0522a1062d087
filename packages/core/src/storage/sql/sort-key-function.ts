/** Convoy's own Postgres schema: bookkeeping and helper functions, apart from the user's tables. */
export const CONVOY_SCHEMA = "convoy";

/** Name of the index key function. Versioned: a change of encoding gets a new name, never a silent redefinition. */
export const SORT_KEY_FUNCTION = `${CONVOY_SCHEMA}.sort_key_v1`;

const FLOAT_BITS = (expr: string) => `
    bits := ('x' || encode(float8send(${expr}), 'hex'))::bit(64)::bigint;
    IF bits < 0 THEN bits := ~bits; ELSE bits := bits # (-9223372036854775807 - 1); END IF;
    RETURN '\\x04'::bytea || int8send(bits);`;

/**
 * `convoy.sort_key_v1(jsonb) → bytea`: the SQL twin of `sortKey()` in sort-key.ts, over the
 * storage form (stored-value.ts). IMMUTABLE so it can back expression indexes; no collation is
 * involved anywhere (strings become UTF-8 bytes; object keys are ordered by their UTF-8 bytes).
 * SQL NULL (a missing field) maps to the "missing" rank, so keys are never NULL and row
 * comparisons in keyset pagination stay total. `jsonb` cannot hold U+0000, so strings need no
 * escaping here; bytes do.
 */
export const SORT_KEY_FUNCTION_SQL = `
CREATE OR REPLACE FUNCTION ${SORT_KEY_FUNCTION}(v jsonb) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  t text;
  k text;
  b bytea;
  r bytea;
  bits bigint;
  e jsonb;
BEGIN
  IF v IS NULL THEN RETURN '\\x01'::bytea; END IF;
  t := jsonb_typeof(v);
  IF t = 'string' THEN
    RETURN '\\x06'::bytea || convert_to(v #>> '{}', 'UTF8') || '\\x00'::bytea;
  ELSIF t = 'number' THEN${FLOAT_BITS("v::float8")}
  ELSIF t = 'null' THEN
    RETURN '\\x02'::bytea;
  ELSIF t = 'boolean' THEN
    RETURN CASE WHEN v::boolean THEN '\\x0501'::bytea ELSE '\\x0500'::bytea END;
  ELSIF t = 'array' THEN
    r := '\\x08'::bytea;
    FOR e IN SELECT a.value FROM jsonb_array_elements(v) WITH ORDINALITY AS a(value, n) ORDER BY a.n LOOP
      r := r || ${SORT_KEY_FUNCTION}(e);
    END LOOP;
    RETURN r || '\\x00'::bytea;
  END IF;
  -- an object: a storage tag (stored-value.ts) or a plain object
  IF v ? '$int64' AND v - '$int64' = '{}'::jsonb THEN
    b := int8send((v->>'$int64')::bigint);
    RETURN '\\x03'::bytea || set_byte(b, 0, get_byte(b, 0) # 128);
  ELSIF v ? '$float64' AND v - '$float64' = '{}'::jsonb THEN${FLOAT_BITS("(v->>'$float64')::float8")}
  ELSIF v ? '$bytes' AND v - '$bytes' = '{}'::jsonb THEN
    b := decode(v->>'$bytes', 'hex');
    IF position('\\x00'::bytea IN b) > 0 THEN
      r := ''::bytea;
      FOR i IN 0 .. length(b) - 1 LOOP
        r := r || CASE WHEN get_byte(b, i) = 0 THEN '\\x00ff'::bytea ELSE substring(b FROM i + 1 FOR 1) END;
      END LOOP;
      b := r;
    END IF;
    RETURN '\\x07'::bytea || b || '\\x00'::bytea;
  END IF;
  r := '\\x09'::bytea;
  FOR k, e IN SELECT o.key, o.value FROM jsonb_each(v) AS o ORDER BY convert_to(o.key, 'UTF8') LOOP
    r := r || '\\x01'::bytea || convert_to(k, 'UTF8') || '\\x00'::bytea || ${SORT_KEY_FUNCTION}(e);
  END LOOP;
  RETURN r || '\\x00'::bytea;
END
$fn$;
`;
