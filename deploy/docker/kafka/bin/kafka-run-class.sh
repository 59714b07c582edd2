#!/bin/sh
# Run a Kafka tool class with the tools' classpath (kafka-tools and its dependencies).
exec java ${KAFKA_TOOLS_HEAP_OPTS:--Xmx256m} -Dlog4j.configuration=file:/opt/kafka/config/tools-log4j.properties \
  -cp '/opt/kafka/libs/*:/opt/kafka/tools-libs/*' "$@"
