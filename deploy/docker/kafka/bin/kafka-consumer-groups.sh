#!/bin/sh
# as in apache/kafka: /opt/kafka/bin/kafka-consumer-groups.sh
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@"
