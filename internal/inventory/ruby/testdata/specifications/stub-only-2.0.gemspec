# -*- encoding: utf-8 -*-
# stub: stubbed 2.0 ruby lib

Gem::Specification.new do |s|
  s.licenses = %w[MIT Ruby]
end
