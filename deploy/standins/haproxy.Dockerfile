# A stand-in for the official haproxy:2.6 image, made from Debian 12's haproxy package (also
# 2.6), for machines that cannot pull images (tests/test_container.py; `python
# deploy/images.py standins`). It behaves as deploy/compose.yaml uses the official one: the
# configuration at /usr/local/etc/haproxy/haproxy.cfg, HAProxy in the foreground as the
# unprivileged user haproxy, stopped gracefully by SIGUSR1.
ARG BASE_IMAGE=initdash-ci/debian-python:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /usr/local/etc/haproxy
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER haproxy
WORKDIR /var/lib/haproxy
STOPSIGNAL SIGUSR1
CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
