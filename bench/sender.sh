# shellcheck shell=bash
# shellcheck disable=SC2034 # SND_*: read by run.sh
# bench/sender.sh: the notification sender (workers/sender.c) against the
# SMTP stand-in, sourced by bench/run.sh (it uses run.sh's variables and
# helpers: note, die, BENCH_VAR, LOG, NOTES, EMAILS, EMAIL_BURST, the
# stack's NOTIFICATION_DATABASE_URL and SMTP_STUB_DIR).  The stand-in was
# started before the stack, so the stack's sender sends to it over SMTP.
#
# sender_measure:
#   1. latency: EMAILS USER_REGISTERED events, one a transaction at
#      EMAIL_RATE a second, written into auth_db's outbox as auth writes
#      them (one psql session, a procedure committing after each: the
#      rate is paced inside PostgreSQL), each for a new user with an
#      e-mail address and no phone: the relay brings each to the
#      notification service, which records the welcome (one EMAIL row),
#      and the sender sends it.  Every one must become SENT (60 s).  Per
#      message, from the event's outbox created_at (the start of the
#      producer's transaction: the event accepted) to the modification
#      time of its file at the stand-in (written when DATA ended, before
#      the stand-in's 250), matched by Message-ID (<notification id@...>)
#      and the row's event_id.  One clock: the files' times and
#      PostgreSQL's are this machine's;
#   2. rate: EMAIL_BURST notifications in one transaction; every one must
#      become SENT; emails a second through the one sender = the number
#      over (the last sent_at - the commit), the commit being the
#      transaction's end as the client saw it (clock_timestamp() after).
#
# Sets SND_N SND_P50 SND_P99 SND_MAX (ms), SND_RATE_N SND_RATE (emails a
# second), SND_DUP (messages at the stand-in beyond one per notification),
# and adds to NOTES.

# snd_psql ARGS...: psql on notification_db, quiet, unaligned, stop on error.
snd_psql() {
	psql "$NOTIFICATION_DATABASE_URL" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# snd_wait_sent LIKE N SECS: waits until N notifications whose recipient
# is LIKE the pattern are SENT; dies after SECS.
snd_wait_sent() {
	local tag=$1 n=$2 secs=$3 i got=0
	for ((i = 0; i < secs * 10; i++)); do
		got=$(snd_psql -c "SELECT count(*) FROM notifications WHERE recipient LIKE '$tag' AND status = 'SENT'")
		((got >= n)) && return 0
		sleep 0.1
	done
	die "sender: $got of $n notifications SENT after ${secs}s (its log: $LOG/sender.log)"
}

# snd_files TAG: "<notification id> <mtime>" for every message at the
# stand-in to an address containing TAG, into $BENCH_VAR/sender.files;
# sets SND_FILES.
snd_files() {
	local tag=$1 f mid
	: >"$BENCH_VAR/sender.files"
	SND_FILES=0
	while IFS= read -r f; do
		mid=$(sed -n 's/^Message-ID: <\([0-9a-f-]*\)@.*/\1/p' "$f" | head -n 1)
		[[ -n $mid ]] || continue
		printf '%s %s\n' "$mid" "$(stat -c '%.9Y' "$f")" >>"$BENCH_VAR/sender.files"
		SND_FILES=$((SND_FILES + 1))
	done < <(grep -l -E "^X-Stub-Rcpt-To: <[^>]*$tag>" -r "$SMTP_STUB_DIR" 2>/dev/null)
}

# snd_latency: step 1.
snd_latency() {
	local domain=bench-latency.example rate=$EMAIL_RATE
	note "sender: $EMAILS USER_REGISTERED events, one every $((1000 / rate)) ms"
	psql "$AUTH_DATABASE_URL" -X -q -At -v ON_ERROR_STOP=1 \
		-c "CREATE PROCEDURE pg_temp.bench_events(n int, gap float8) LANGUAGE plpgsql AS \$\$
	DECLARE u uuid;
	BEGIN
		FOR i IN 1..n LOOP
			-- The pause first, in a transaction of its own: the event's
			-- created_at (its transaction's start) is its acceptance.
			PERFORM pg_sleep(gap);
			COMMIT;
			u := gen_random_uuid();
			INSERT INTO outbox (type, aggregate_id, payload)
			VALUES ('USER_REGISTERED', u::text, jsonb_build_object('userId', u,
			        'email', 'user' || i || '@$domain', 'firstName', 'Bench',
			        'lastName', 'User', 'phone', NULL, 'role', 'CUSTOMER'));
			COMMIT;
		END LOOP;
	END \$\$" -c "CALL pg_temp.bench_events($EMAILS, 1.0 / $rate)" ||
		die "sender: could not write the events"
	snd_wait_sent "%@$domain" "$EMAILS" 60
	snd_files "@$domain"
	snd_psql -c "\\copy (SELECT id, event_id FROM notifications WHERE recipient LIKE '%@$domain') TO '$BENCH_VAR/sender.rows' WITH (DELIMITER ' ')"
	local stats
	stats=$(psql "$AUTH_DATABASE_URL" -X -q -At -v ON_ERROR_STOP=1 \
		-c "CREATE TEMP TABLE f (id uuid, at float8)" \
		-c "\\copy f FROM '$BENCH_VAR/sender.files' WITH (DELIMITER ' ')" \
		-c "CREATE TEMP TABLE r (id uuid, event_id uuid)" \
		-c "\\copy r FROM '$BENCH_VAR/sender.rows' WITH (DELIMITER ' ')" \
		-c "WITH l AS (SELECT min(f.at - extract(epoch FROM o.created_at)) * 1000 AS ms
		      FROM f JOIN r ON r.id = f.id JOIN outbox o ON o.event_id = r.event_id GROUP BY r.id)
		    SELECT count(*), round(percentile_disc(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
		           round(percentile_disc(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1),
		           round(max(ms)::numeric, 1) FROM l") || die "sender: the latency query failed"
	IFS='|' read -r SND_N SND_P50 SND_P99 SND_MAX <<<"$stats"
	SND_DUP=$((SND_FILES - SND_N))
	note "sender: $SND_N emails, event accepted -> at the stand-in p50 $SND_P50 ms, p99 $SND_P99 ms, max $SND_MAX ms ($SND_DUP duplicates)"
}

# snd_rate: step 2.
snd_rate() {
	local tag=bench-rate@example.in out t0
	note "sender: $EMAIL_BURST emails at once"
	out=$(snd_psql -c "INSERT INTO notifications (user_id, type, channel, recipient, subject, body, event_id)
		SELECT gen_random_uuid(), 'ORDER_PAID', 'EMAIL', '$tag', 'Burst ' || g,
		       'Your order is paid: ₹1,500.00 (' || g || ')', gen_random_uuid()
		FROM generate_series(1, $EMAIL_BURST) g" -c "SELECT extract(epoch FROM clock_timestamp())")
	t0=$(tail -n 1 <<<"$out")
	snd_wait_sent "$tag" "$EMAIL_BURST" 120
	SND_RATE_N=$EMAIL_BURST
	SND_RATE=$(snd_psql -c "SELECT round(count(*) / extract(epoch FROM max(sent_at) - to_timestamp($t0)))
		FROM notifications WHERE recipient = '$tag'")
	note "sender: $SND_RATE_N emails sent at $SND_RATE a second through one sender"
}

sender_measure() {
	SND_DUP=0
	if ((EMAILS > 0)); then
		snd_latency
	fi
	if ((EMAIL_BURST > 0)); then
		snd_rate
	fi
	NOTES+=("sender: the span starts at the event's acceptance (auth_db outbox created_at) and takes in the relay, the notification service's consumer and the sender; the stand-in's file time is its DATA end")
}
