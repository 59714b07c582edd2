#!/bin/sh
# as in apache/kafka: /opt/kafka/bin/kafka-console-consumer.sh
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.consumer.ConsoleConsumer "$@"
