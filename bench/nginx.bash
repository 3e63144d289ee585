# The nginx side of the web benchmarks (sourced, not run): a private
# prefix with one worker serving PAGE as /bench/index.html, nothing
# logged, keep-alive without a request limit, as
# ../shared/design/TESTING.md describes the baseline.

# nginx_prepare DIR LISTEN PAGE: the html folder and DIR/nginx.conf
# (pid file DIR/nginx.pid, logs in DIR/logs) for `nginx -p DIR -c DIR/nginx.conf`.
nginx_prepare() {
	local dir=$1 listen=$2 page=$3
	mkdir -p "$dir/html/bench" "$dir/logs"
	cp "$page" "$dir/html/bench/index.html"
	cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 100000;
	client_body_temp_path $dir/body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	types { text/html html; }
	server {
		listen $listen;
		root $dir/html;
	}
}
CONF
}
