-- S_RES_ATOMIC (fcgi/product/main.c) takes the stock with one UPDATE and
-- lets variants' stock >= 0 constraint refuse a short line.  A variant
-- deleted between the statement's read and its update is skipped by the
-- update; the statement then calls this to fail as a whole, so that no
-- reservation ever holds only some of its lines.
CREATE FUNCTION reservation_abort(why text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', why
        USING ERRCODE = 'check_violation', CONSTRAINT = 'reservation_complete';
END $$;
