#!/bin/sh
# as in apache/kafka: /opt/kafka/bin/kafka-topics.sh
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.TopicCommand "$@"
